package org.dtprobed.fuse;

/** Answers decoded requests for one kind of FUSE server (the helper file, the CUSE device). */
interface FuseHandler {
    /**
     * The reply to write, or {@code null} for opcodes that take none. Must not throw on bad
     * input: every refusal is an error reply.
     */
    byte[] handle(FuseRequest request);

    /** Requests that may block (a registration) run on the worker pool, the rest on the reader. */
    default boolean slow(FuseRequest request) {
        return request instanceof FuseIoctl;
    }
}
