"""Pure-Python data layer of the Learning Culture Dashboard (never imports streamlit)."""
