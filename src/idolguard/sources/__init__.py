"""Where media comes from: capturing URLs seen online as evidence with exact provenance."""
