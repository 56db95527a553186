"""Views: escaped HTML and plotly figures for the pages, built from the data and the audit."""
