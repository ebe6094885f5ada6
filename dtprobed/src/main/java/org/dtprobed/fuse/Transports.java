package org.dtprobed.fuse;

import java.io.IOException;
import org.dtprobed.helper.HelperRequests;

/** Picks and starts a transport by name: {@code cuse}, {@code fuse} (the FUSE file) or {@code auto}. */
public final class Transports {
    /** The names {@link #start} takes; checked before the daemon creates anything. */
    public static final java.util.List<String> KINDS = java.util.List.of("auto", "cuse", "fuse", "fuse-file");

    private Transports() {
    }

    public static boolean known(String kind) {
        return KINDS.contains(kind);
    }

    public static HelperTransport start(String kind, TransportConfig config, HelperRequests requests)
            throws IOException {
        return start(kind, config, requests, OpenWatch.NONE);
    }

    /**
     * As {@link #start(String, TransportConfig, HelperRequests)}; {@code opens} hears of opens and
     * of releases without an ioctl on the FUSE file (on CUSE drti's REMOVE arrives and is used).
     */
    public static HelperTransport start(String kind, TransportConfig config, HelperRequests requests,
                                        OpenWatch opens) throws IOException {
        switch (kind) {
            case "cuse":
                return CuseTransport.start(config, requests);
            case "fuse":
            case "fuse-file":
                return FuseFileTransport.start(config, requests, opens);
            case "auto":
                return CuseTransport.available() ? CuseTransport.start(config, requests)
                        : FuseFileTransport.start(config, requests, opens);
            default:
                throw new IllegalArgumentException("transport '" + kind + "': expected auto, cuse or fuse");
        }
    }
}
