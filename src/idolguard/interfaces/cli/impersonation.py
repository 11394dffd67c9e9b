"""``idolguard impersonation``: official handles, checking profiles, queueing impersonators."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from idolguard.domain.cases import CaseError
from idolguard.domain.impersonation import ImpersonationError, OfficialsError
from idolguard.domain.roster import RosterError
from idolguard.interfaces.cli.context import console, fail, state
from idolguard.signals.impersonation import ImpersonationResult, Profile, ProfileError
from idolguard.signals.impersonation.profile import MAX_IMAGE_BYTES

impersonation_app = typer.Typer(
    help="Impersonation accounts: artists' official handles, check profiles, queue flagged ones."
)
ProfilesArg = Annotated[
    Path,
    typer.Argument(
        help="JSON file: one profile or a list (platform, handle, display_name, bio, links, "
        "posts, url; avatar_file/banner_file relative to the JSON file, or avatar/banner base64)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")]


@impersonation_app.command("official-add")
def official_add(
    ctx: typer.Context,
    artist: Annotated[str, typer.Argument(help="Artist name, alias or #id.")],
    platform: Annotated[str, typer.Argument(help="Platform: x, instagram, tiktok, youtube...")],
    handle: Annotated[str, typer.Argument(help="The artist's own handle there (@ optional).")],
) -> None:
    """List an artist's own account: it is never flagged, and its handle is a name to protect."""
    try:
        view = state(ctx).app().officials.add(artist, platform, handle)
    except (OfficialsError, RosterError) as exc:
        fail(str(exc))
    print(f"{view.artist}: official {view.platform} @{view.handle}")


@impersonation_app.command("official-remove")
def official_remove(
    ctx: typer.Context,
    platform: Annotated[str, typer.Argument(help="Platform.")],
    handle: Annotated[str, typer.Argument(help="Handle.")],
) -> None:
    """Take an account off the allow-list."""
    try:
        removed = state(ctx).app().officials.remove(platform, handle)
    except OfficialsError as exc:
        fail(str(exc))
    if not removed:
        fail(f"{platform} @{handle.lstrip('@')} is not on the allow-list")
    print(f"removed {platform} @{handle.lstrip('@')}")


@impersonation_app.command("official-list")
def official_list(
    ctx: typer.Context,
    artist: Annotated[str | None, typer.Argument(help="Only this artist's.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The allow-list: every artist's official handles per platform."""
    try:
        views = state(ctx).app().officials.listing(artist)
    except RosterError as exc:
        fail(str(exc))
    if as_json:
        print(json.dumps([v.as_json() for v in views], ensure_ascii=False))
        return
    table = Table("artist", "platform", "handle")
    for view in views:
        table.add_row(view.artist, view.platform, "@" + view.handle)
    console().print(table)


def read_profiles(path: Path) -> list[Profile]:
    """Profiles from a JSON file; image files are read relative to it. Errors name the entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"{path}: not valid JSON ({exc})") from None
    entries = data if isinstance(data, list) else [data]
    profiles = []
    for index, entry in enumerate(entries, 1):
        try:
            profiles.append(Profile.from_json(_with_images(entry, path.parent)))
        except ProfileError as exc:
            raise ProfileError(f"{path}: profile {index}: {exc}") from None
    return profiles


def _with_images(entry: Any, folder: Path) -> Any:
    if not isinstance(entry, dict):
        return entry
    entry = dict(entry)
    for key in ("avatar", "banner"):
        name = entry.pop(f"{key}_file", None)
        if name is None:
            continue
        if not isinstance(name, str):
            raise ProfileError(f"{key}_file must be a file name")
        image = folder / name
        try:
            if image.stat().st_size > MAX_IMAGE_BYTES:
                raise ProfileError(f"{key}_file {name} is larger than 10 MB")
            entry[key] = base64.b64encode(image.read_bytes()).decode()
        except OSError as exc:
            raise ProfileError(
                f"{key}_file {name}: cannot be read ({exc.strerror or exc})"
            ) from None
    return entry


def _show(result: ImpersonationResult, extra: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps({**result.as_json(), **extra}, ensure_ascii=False))
        return
    verdict = (
        "official (allow-list)"
        if result.official
        else ("FLAGGED" if result.flagged else "not flagged")
    )
    who = f" → {result.artist}" if result.artist else ""
    opened = f"  item #{extra['item_id']}" if extra.get("item_id") else ""
    print(f"{result.profile}  risk {result.risk:.2f}  {verdict}{who}{opened}")
    for reason in result.reasons:
        print(f"  - {reason.en}")


@impersonation_app.command("check")
def check(
    ctx: typer.Context,
    profiles: ProfilesArg,
    faces: Annotated[
        bool, typer.Option("--faces/--no-faces", help="Also look for enrolled faces in avatars.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Say whether profiles impersonate an enrolled artist, and why; nothing is stored."""
    try:
        read = read_profiles(profiles)
    except ProfileError as exc:
        fail(str(exc))
    app = state(ctx).app()
    for profile in read:
        _show(app.impersonation.check(profile, faces=faces), {}, as_json)


@impersonation_app.command("queue")
def queue(
    ctx: typer.Context,
    profiles: ProfilesArg,
    force: Annotated[
        bool, typer.Option("--force", help="Queue even profiles that are not flagged.")
    ] = False,
    case: Annotated[str | None, typer.Option("--case", help="Add to this case.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check profiles and open a review item (kind: account) for each flagged one."""
    try:
        read = read_profiles(profiles)
    except ProfileError as exc:
        fail(str(exc))
    app = state(ctx).app()
    actor = app.settings.operator
    for profile in read:
        try:
            queued = app.impersonation.queue(profile, actor=actor, force=force, case=case)
        except (ImpersonationError, CaseError) as exc:
            fail(f"{profile.key}: {exc}")
        extra = {"item_id": queued.opened.item_id} if queued.opened else {}
        _show(queued.result, extra, as_json)
