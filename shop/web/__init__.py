"""What every request shares: the unit of work and its refusals (boundary), parsing the
request's input (params), the error pages (errors)."""
