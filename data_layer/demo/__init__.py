"""The deterministic demo generator and its texts."""
