// HotswapSystem: placeholder until its issue lands.
