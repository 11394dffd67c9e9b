"""Step 2: train the face manipulation network on self-blended and swapped training reals.

Every batch is half real crops and half fakes made on the fly from other
real crops (self-blends, or another person's face pasted in), both put
through the same random re-upload damage (JPEG, down- and up-scaling), so
the only difference between the classes is the manipulation. The network is
checked on the ``calib`` split every ``--eval-every`` steps and the best
checkpoint kept; the ``eval`` split is never looked at here.

    python -m training.manipulation.train --cache .cache/manipulation --steps 3000
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import DataLoader, IterableDataset

from idolguard.forensics.crop import WORK_SIZE, face_crop, model_view
from idolguard.forensics.synth import face_swap, jpeg, self_blend
from training.manipulation.dataset import load_records, records_where, training_arguments
from training.manipulation.metrics import roc_auc
from training.manipulation.model import BlendNet

ByteImage = np.ndarray


def damage(image: ByteImage, rng: np.random.Generator) -> ByteImage:
    """The re-upload damage both classes get: resampling and JPEG at random strengths."""
    side = image.shape[0]
    if rng.random() < 0.35:
        small = int(side * rng.uniform(0.4, 0.9))
        picture = Image.fromarray(image).resize((small, small), Image.Resampling.BILINEAR)
        image = np.asarray(picture.resize((side, side), Image.Resampling.BILINEAR))
    if rng.random() < 0.65:
        image = jpeg(image, int(rng.integers(30, 96)))
    if rng.random() < 0.2:
        gain = rng.uniform(0.85, 1.15, size=3)[None, None, :]
        image = np.clip(image.astype(np.float32) * gain + rng.uniform(-12, 12), 0, 255).astype(
            np.uint8
        )
    return image


def make_fake(
    crops: np.ndarray, groups: np.ndarray, index: int, rng: np.random.Generator, swap_share: float
) -> ByteImage:
    face = crops[index]
    if rng.random() < swap_share:
        for _ in range(10):
            other = int(rng.integers(len(crops)))
            if groups[other] != groups[index]:
                return face_swap(face, crops[other], rng)[0]
    return self_blend(face, rng)[0]


class Batches(IterableDataset):  # type: ignore[type-arg]
    def __init__(
        self, crops: np.ndarray, groups: np.ndarray, batch: int, seed: int, swap_share: float
    ) -> None:
        self.crops, self.groups, self.batch = crops, groups, batch
        self.seed, self.swap_share = seed, swap_share

    def __iter__(self):  # type: ignore[no-untyped-def]
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        half = self.batch // 2
        while True:
            images, labels = [], []
            for label in (0, 1):
                for _ in range(half):
                    i = int(rng.integers(len(self.crops)))
                    if label:
                        image = make_fake(self.crops, self.groups, i, rng, self.swap_share)
                    else:
                        image = self.crops[i]
                    if rng.random() < 0.5:
                        image = image[:, ::-1]
                    images.append(model_view(damage(np.ascontiguousarray(image), rng)))
                    labels.append(label)
            x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float() / 255.0
            yield x, torch.tensor(labels, dtype=torch.float32)


def calib_crops(
    data: Path, cache: Path, seed: int
) -> dict[str, tuple[list[ByteImage], np.ndarray]]:
    """Working-size crops of the calib split: SBI of its reals, and the real swap families."""
    records = load_records(cache / "index.json")
    rng = np.random.default_rng(seed + 1000)
    sets: dict[str, tuple[list[ByteImage], list[int]]] = {}
    for family in ("lfw_faceswap", "yonsei"):
        for record in records_where(records, split="calib", family=family):
            if record.landmarks is None:
                continue
            pixels = np.asarray(Image.open(data / record.path).convert("RGB"), dtype=np.uint8)
            crop, _ = face_crop(pixels, np.array(record.landmarks), size=WORK_SIZE)
            crops, labels = sets.setdefault(family, ([], []))
            crops.append(crop)
            labels.append(record.label)
            if record.label == 0:
                sbi, sbi_labels = sets.setdefault("self_blended", ([], []))
                sbi.extend([crop, self_blend(crop, rng)[0]])
                sbi_labels.extend([0, 1])
    return {k: (v[0], np.array(v[1])) for k, v in sets.items()}


def calib_set(data: Path, cache: Path, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The calib crops as the model reads them (``model_view``), stacked per family."""
    return {
        family: (np.stack([model_view(c) for c in crops]), labels)
        for family, (crops, labels) in calib_crops(data, cache, seed).items()
    }


def predict(model: BlendNet, images: np.ndarray, batch: int = 64) -> np.ndarray:
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            x = torch.from_numpy(images[i : i + batch]).permute(0, 3, 1, 2).float() / 255.0
            out.append(model(x)[0].numpy())
    model.train()
    return np.concatenate(out)


def run(args: argparse.Namespace) -> None:
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    bundle = np.load(args.cache / "train_crops.npz")
    crops, groups = bundle["crops"], bundle["groups"]
    print(f"{len(crops)} training reals from {len(set(groups.tolist()))} identity groups")
    calib = calib_set(args.data, args.cache, args.seed)
    print("calib:", {k: len(v[1]) for k, v in calib.items()})
    loader = DataLoader(
        Batches(crops, groups, args.batch, args.seed, args.swap_share),
        batch_size=None,
        num_workers=args.workers,
        persistent_workers=args.workers > 0,
        prefetch_factor=4 if args.workers > 0 else None,
    )
    model = BlendNet()
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    warmup = max(1, args.steps // 20)

    def lr_at(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, args.steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lr_at)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    best, best_score, history = None, -1.0, []
    started, running = time.monotonic(), 0.0
    for step, (x, y) in enumerate(loader):
        if step >= args.steps:
            break
        logits, _ = model(x)
        loss = loss_fn(logits, y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if step else value
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            aucs = {k: roc_auc(v[1], predict(model, v[0])) for k, v in calib.items()}
            score = float(np.nanmean(list(aucs.values())))
            history.append({"step": step + 1, "loss": round(running, 4), **aucs})
            elapsed = time.monotonic() - started
            print(
                f"step {step + 1}/{args.steps} loss {running:.3f} calib AUC "
                + " ".join(f"{k} {v:.3f}" for k, v in aucs.items())
                + f"  ({elapsed / 60:.1f} min)",
                flush=True,
            )
            if score > best_score:
                best_score = score
                best = {k: v.detach().clone() for k, v in model.state_dict().items()}
                torch.save(best, args.out / "blendnet.pt")
    assert best is not None
    (args.out / "train_log.json").write_text(
        json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "history": history})
    )
    print(f"best calib mean AUC {best_score:.4f}; weights in {args.out / 'blendnet.pt'}")


def main() -> None:
    parser = training_arguments(__doc__)
    parser.add_argument("--out", type=Path, default=None, help="default: the cache folder")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--swap-share", type=float, default=0.3)
    parser.add_argument("--eval-every", type=int, default=250)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    args.out = args.out or args.cache
    args.out.mkdir(parents=True, exist_ok=True)
    run(args)


if __name__ == "__main__":
    main()
