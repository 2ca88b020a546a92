"""Marketing: saved customer segments, campaigns with their members and responses,
consent per channel, the public unsubscribe link and campaign results."""
