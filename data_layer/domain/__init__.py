"""What the product is about: vocabulary, entity models, the filter, rates, errors and limits."""
