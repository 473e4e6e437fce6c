"""Everything Streamlit-specific: the store resource, cached loaders, formatting, widgets."""
