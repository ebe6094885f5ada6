package org.dtprobed.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The free ratios of this JVM's heap, raised for a start and set back after it. */
class StartupHeapTest {
    private final HotSpotDiagnosticMXBean hs = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);

    private int ratio(String name) {
        return Integer.parseInt(hs.getVMOption(name).getValue());
    }

    @Test
    void raisesBothRatiosForTheStartAndSetsTheLaunchValuesBack() {
        int min = ratio(StartupHeap.MIN);
        int max = ratio(StartupHeap.MAX);
        try (StartupHeap heap = StartupHeap.widen()) {
            assertThat(ratio(StartupHeap.MIN)).isEqualTo(Math.max(min, StartupHeap.START_MIN));
            assertThat(ratio(StartupHeap.MAX)).isEqualTo(Math.max(max, StartupHeap.START_MAX));
        }
        assertThat(ratio(StartupHeap.MIN)).isEqualTo(min);
        assertThat(ratio(StartupHeap.MAX)).isEqualTo(max);
    }

    @Test
    void worksFromTheDaemonsLaunchValues() {
        int min = ratio(StartupHeap.MIN);
        int max = ratio(StartupHeap.MAX);
        try {
            // what scripts/lib/common.sh gives the daemon: 10 / 30 (the minimum first, to stay below the maximum)
            hs.setVMOption(StartupHeap.MIN, "10");
            hs.setVMOption(StartupHeap.MAX, "30");
            try (StartupHeap heap = StartupHeap.widen()) {
                assertThat(ratio(StartupHeap.MIN)).isEqualTo(StartupHeap.START_MIN);
                assertThat(ratio(StartupHeap.MAX)).isEqualTo(StartupHeap.START_MAX);
            }
            assertThat(ratio(StartupHeap.MIN)).isEqualTo(10);
            assertThat(ratio(StartupHeap.MAX)).isEqualTo(30);
        } finally {
            hs.setVMOption(StartupHeap.MAX, Integer.toString(Math.max(max, 30)));
            hs.setVMOption(StartupHeap.MIN, Integer.toString(min));
            hs.setVMOption(StartupHeap.MAX, Integer.toString(max));
        }
    }
}
