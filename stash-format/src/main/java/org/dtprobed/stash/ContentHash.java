package org.dtprobed.stash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** The key of raw DOF: SHA-256 of its bytes, so identical DOF from many processes is stored once. */
public final class ContentHash implements Comparable<ContentHash> {
    /**
     * Never updated itself: each hash is made by a clone of it, which skips the provider lookup
     * of {@code MessageDigest.getInstance} (~2 % of a same-DOF registration's CPU, BENCHMARKS.md).
     */
    private static final MessageDigest SHA_256 = sha256();

    private final byte[] bytes;

    private ContentHash(byte[] bytes) {
        this.bytes = bytes;
    }

    public static ContentHash of(byte[] content) {
        MessageDigest md;
        try {
            md = (MessageDigest) SHA_256.clone();
        } catch (CloneNotSupportedException e) {
            md = sha256();
        }
        return new ContentHash(md.digest(content));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** From the 32 key bytes as stored. */
    public static ContentHash fromBytes(byte[] key) {
        if (key.length != StashLayout.DOF_KEY_SIZE) {
            throw new IllegalArgumentException("content hash is " + StashLayout.DOF_KEY_SIZE + " bytes, got " + key.length);
        }
        return new ContentHash(key.clone());
    }

    /** From 64 hex digits (as {@code stash-dump} prints them); anything else is refused. */
    public static ContentHash parseHex(String hex) {
        if (hex == null || hex.length() != 2 * StashLayout.DOF_KEY_SIZE || !hex.matches("[0-9a-fA-F]+")) {
            throw new IllegalArgumentException("a DOF key is 64 hex digits (SHA-256), got '"
                    + (hex == null ? "" : hex.length() > 80 ? hex.substring(0, 80) + "..." : hex) + "'");
        }
        return new ContentHash(HexFormat.of().parseHex(hex));
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentHash h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        // a SHA-256 is uniform already: its first four bytes, not a walk over all 32 (hashed
        // several times per registration by the stash's index and the parse caches)
        return (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff);
    }

    @Override
    public int compareTo(ContentHash o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
