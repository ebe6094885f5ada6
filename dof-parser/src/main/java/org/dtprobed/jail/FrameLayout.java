package org.dtprobed.jail;

/**
 * The frame header shared by both directions of the parent–child pipe (all little endian):
 *
 * <pre>
 *  0  u32 magic        "DTPJ"
 *  4  u16 version      {@link #VERSION}
 *  6  u16 type         {@link FrameType}
 *  8  u64 request id   0 for READY; the request's id in its reply
 * 16  u32 body length  bytes that follow; checked against the reader's maximum before allocating
 * 20  body
 * </pre>
 *
 * A reader that finds a wrong magic, version, type or length stops: the stream cannot be trusted
 * to resynchronise, so the supervisor kills that child.
 */
final class FrameLayout {
    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_TYPE = 6;
    static final int OFF_REQUEST_ID = 8;
    static final int OFF_BODY_LENGTH = 16;
    static final int HEADER_SIZE = 20;

    /** 'D' 'T' 'P' 'J' read as a little-endian u32. */
    static final int MAGIC = 0x4A505444;
    static final int VERSION = 1;

    private FrameLayout() {
    }
}
