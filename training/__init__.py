"""Training code for the models IdolGuard ships (needs the ``train`` extra: PyTorch, ONNX)."""
