//! Dataset presets (spiral, moons, xor, circles, blobs, 1-D regression) and validation of user points.
