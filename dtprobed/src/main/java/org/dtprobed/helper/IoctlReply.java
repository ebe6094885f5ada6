package org.dtprobed.helper;

import java.util.List;

/** What the transport answers an ioctl round with. */
public sealed interface IoctlReply permits IoctlReply.Result, IoctlReply.Retry, IoctlReply.Failure {
    /** The final answer; {@code value} becomes the caller's {@code ioctl()} return value. */
    record Result(int value) implements IoctlReply {
    }

    /** Ask the kernel to copy these ranges of the caller's memory and re-issue the ioctl (CUSE). */
    record Retry(List<Range> ranges) implements IoctlReply {
        public Retry {
            ranges = List.copyOf(ranges);
        }

        public static Retry of(long base, long length) {
            return new Retry(List.of(new Range(base, length)));
        }
    }

    /** The caller's ioctl fails with {@code errno}; {@code reason} is logged once. */
    record Failure(int errno, String reason) implements IoctlReply {
    }

    /** A range of the caller's address space. */
    record Range(long base, long length) {
    }
}
