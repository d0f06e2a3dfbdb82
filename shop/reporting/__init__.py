"""Reporting: order statistics (statistics), their chart (barchart) and CSV export (csvexport)."""
