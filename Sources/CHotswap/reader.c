/* libhotswap reader: see include/hotswap.h */
