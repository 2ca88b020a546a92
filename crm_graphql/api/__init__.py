"""What every domain shares: schema assembly, context, pagination, filters, errors, IDs."""
