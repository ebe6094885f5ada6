package org.dtprobed.stash;

import java.nio.file.Path;

/** Child of {@link StashLayoutTest}: opens and closes a stash, printing the elapsed milliseconds. */
public final class OpenCloseMain {
    private OpenCloseMain() {
    }

    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        try (Stash s = Stash.open(StashConfig.small(Path.of(args[0])))) {
            System.out.println("OK " + (System.nanoTime() - t0) / 1_000_000 + " ms " + s.stats().registrations());
        }
    }
}
