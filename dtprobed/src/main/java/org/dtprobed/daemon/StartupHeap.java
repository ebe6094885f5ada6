package org.dtprobed.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heap's growth while the daemon starts. The launcher starts the JVM with a 16 MiB heap that
 * keeps 10-30 % free (idle RSS, BENCHMARKS.md "End to end"); opening a stash of 10,000 processes
 * then grew it to ~110 MiB live through 16 full collections, each growing it by a tenth. While
 * the daemon starts it keeps 60-80 % free instead (both ratios are manageable flags of HotSpot's),
 * so each full collection grows the heap by more and there are few; the launch values are back
 * once the daemon is ready, and the next full collection gives the surplus back.
 */
final class StartupHeap implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StartupHeap.class);
    private static final long PID = ProcessHandle.current().pid();
    static final String MIN = "MinHeapFreeRatio";
    static final String MAX = "MaxHeapFreeRatio";
    static final int START_MIN = 60;
    static final int START_MAX = 80;

    private final HotSpotDiagnosticMXBean hotSpot;
    private final String launchMin;
    private final String launchMax;

    private StartupHeap(HotSpotDiagnosticMXBean hotSpot, String launchMin, String launchMax) {
        this.hotSpot = hotSpot;
        this.launchMin = launchMin;
        this.launchMax = launchMax;
    }

    /** Raises the ratios to the start's (never lowers one); a JVM that refuses changes nothing. */
    static StartupHeap widen() {
        HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        String min;
        String max;
        try {
            min = hs.getVMOption(MIN).getValue();
            max = hs.getVMOption(MAX).getValue();
            // the maximum first: the JVM keeps the minimum at or below it
            if (Integer.parseInt(max) < START_MAX) {
                hs.setVMOption(MAX, Integer.toString(START_MAX));
            }
            if (Integer.parseInt(min) < START_MIN) {
                hs.setVMOption(MIN, Integer.toString(START_MIN));
            }
        } catch (RuntimeException e) {
            LOG.info("pid {}: the heap keeps its launch growth during the start ({})", PID, e.toString());
            return new StartupHeap(null, null, null);
        }
        return new StartupHeap(hs, min, max);
    }

    /** The launch values again. */
    @Override
    public void close() {
        if (hotSpot == null) {
            return;
        }
        try {
            hotSpot.setVMOption(MIN, launchMin);
            hotSpot.setVMOption(MAX, launchMax);
        } catch (RuntimeException e) {
            LOG.warn("pid {}: the heap's free ratios could not be set back to {} / {} after the start ({})", PID,
                    launchMin, launchMax, e.toString());
        }
    }
}
