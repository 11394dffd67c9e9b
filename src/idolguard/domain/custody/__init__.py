"""Evidence in custody: capturing a file with its manifest and timestamp (capture), the
hash-chained custody log (log), case bundles anyone can verify offline (bundles), and what is
deleted when (retention). The cryptographic formats themselves are in ``idolguard.evidence``."""
