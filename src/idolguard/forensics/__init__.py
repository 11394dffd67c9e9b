"""Manipulation forensics: is this face swapped or blended in, is this picture generated?

Everything here works on pixels and numbers only (no database, no pipeline):
the face crop every manipulation model sees, the synthetic fakes the shipped
model is trained and tested on, the ONNX detectors, video aggregation and the
heatmap images. ``signals.manipulation`` and ``signals.ai_generated`` wrap
them for the scan pipeline.
"""
