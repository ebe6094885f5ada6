package org.dtprobed.stash;

/** Lets the size benchmark read one stored registration value's length. */
public final class RegistrationCodecAccess {
    private RegistrationCodecAccess() {
    }

    /**
     * Rewrites every registration of the stopped daemon's stash as a build with the previous
     * layout of probe records left it (what {@code FormatVersionTest} does inside one JVM); returns
     * how many.
     */
    public static int makeAllStale(java.nio.file.Path stashDir) throws Exception {
        int n = 0;
        try (Stash s = Stash.open(StashConfig.at(stashDir))) {
            java.util.List<Registration> all = new java.util.ArrayList<>();
            s.forEachRegistration(all::add);
            for (Registration r : all) {
                s.files().registrations.put(RegistrationKeyCodec.live(r.key()), RegistrationCodec.encode(r, StashLayout.PARSED_VERSION - 1));
                n++;
            }
        }
        return n;
    }

    public static int valueSize(Stash s) {
        for (byte[] k : s.files().registrations.keySet()) {
            return s.files().registrations.get(k).length;
        }
        return 0;
    }
}
