"""How the server process runs: the cyclic garbage collector and the response encoder."""
