"""One package per CRM module: models, GraphQL types, loaders, root fields."""
