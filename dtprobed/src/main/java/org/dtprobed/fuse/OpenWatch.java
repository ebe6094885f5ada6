package org.dtprobed.fuse;

/**
 * Told of the helper file's opens, and of those released with no ioctl reaching the daemon in
 * between. On the FUSE file that is what drti's destructor looks like ({@code dlclose} or
 * {@code exit}): its by-value REMOVE fails in the kernel before it reaches us
 * (docs/transport.md), so the open and the release are all the daemon sees of it. Both calls come
 * on the transport's reader thread and must return at once.
 */
public interface OpenWatch {
    OpenWatch NONE = new OpenWatch() {
        @Override
        public int opened(int tid) {
            return 0;
        }

        @Override
        public void releasedWithoutIoctl(int process) {
        }
    };

    /**
     * An OPEN by thread {@code tid} (in the daemon's pid namespace). Resolved now, while the thread
     * is certainly alive (it waits in {@code open}); at the release it may be gone.
     *
     * @return the process to hear about at the release, or 0 for a release that does not matter
     */
    int opened(int tid);

    /** The file {@code process} (as {@link #opened} returned) opened was released with no ioctl on it. */
    void releasedWithoutIoctl(int process);
}
