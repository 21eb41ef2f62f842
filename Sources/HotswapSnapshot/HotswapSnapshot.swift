// HotswapSnapshot: placeholder until its issue lands.
