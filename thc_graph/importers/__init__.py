"""One importer per real source (territories, etalab, participedia), the report they share, and `thc import`."""
