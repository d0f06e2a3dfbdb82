"""Documents the shop produces: order PDFs (quote or confirmation)."""
