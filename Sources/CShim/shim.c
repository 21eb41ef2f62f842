/* C shims: see shim.h */
