"""Pure calculation engine (numpy only, no Django): JGJ 26 heat-consumption index."""
