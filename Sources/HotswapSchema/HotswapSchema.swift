// HotswapSchema: placeholder until its issue lands.
