package org.dtprobed.proc;

/** Part of the requested range is not mapped (or not readable) in the target process: EFAULT. */
public final class UnreadableMemoryException extends ProcException {
    private static final long serialVersionUID = 1L;

    public UnreadableMemoryException(String message) {
        super(message);
    }
}
