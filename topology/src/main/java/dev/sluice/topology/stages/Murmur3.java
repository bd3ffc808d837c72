package dev.sluice.topology.stages;

/** MurmurHash3 (x86, 32-bit) over a string's UTF-16 code units, for repeatable feature hashing. */
final class Murmur3 {

    private static final int C1 = 0xcc9e2d51;
    private static final int C2 = 0x1b873593;

    private Murmur3() {
    }

    static int hash(CharSequence s, int seed) {
        int h = seed;
        int n = s.length();
        int i = 0;
        for (; i + 1 < n; i += 2) {
            int k = s.charAt(i) | (s.charAt(i + 1) << 16);
            h = mixH(h, mixK(k));
        }
        if (i < n) {
            h ^= mixK(s.charAt(i));
        }
        return finish(h, n);
    }

    /**
     * {@link #hash} of {@code s[0, n)} under two seeds in one pass: the first's in the high 32 bits,
     * the second's in the low. The block mixing does not depend on the seed, so it is done once.
     */
    static long hash2(char[] s, int n, int seedA, int seedB) {
        int a = seedA;
        int b = seedB;
        int i = 0;
        for (; i + 1 < n; i += 2) {
            int k = mixK(s[i] | (s[i + 1] << 16));
            a = mixH(a, k);
            b = mixH(b, k);
        }
        if (i < n) {
            int k = mixK(s[i]);
            a ^= k;
            b ^= k;
        }
        return ((long) finish(a, n) << 32) | (finish(b, n) & 0xffff_ffffL);
    }

    private static int finish(int h, int n) {
        h ^= n * 2;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    private static int mixK(int k) {
        k *= C1;
        k = Integer.rotateLeft(k, 15);
        return k * C2;
    }

    private static int mixH(int h, int k) {
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }
}
