"""Review: files come in (intake), are scored for a person's attention (triage), decided with a
reason (decisions), shown with what each signal found (findings), and earlier files are matched
again when a hash is confirmed (retro)."""
