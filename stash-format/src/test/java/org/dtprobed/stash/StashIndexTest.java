package org.dtprobed.stash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.dtprobed.protocol.RegistrationKey;
import org.junit.jupiter.api.Test;

class StashIndexTest {
    private static final ContentHash DOF = ContentHash.of(new byte[] {1, 2, 3});

    private static StashIndex.Entry entry(int pid, long gen, long inode, long start, long dofAddress) {
        return new StashIndex.Entry(new RegistrationKey(pid, gen), new Mapping(inode == 0 ? 0 : 0xfd01, inode, start,
                inode == 0 ? "[heap]" : "/usr/lib/libx.so"), dofAddress, DOF, 0);
    }

    /**
     * {@code keysAt} (what a commit asks to find a re-registration whose REMOVE was lost) answers
     * what a walk of the pid's registrations answers, through random adds and removals.
     */
    @Test
    void keysAtAnswersWhatAWalkOfThePidsRegistrationsAnswers() {
        SplittableRandom random = new SplittableRandom(12);
        StashIndex index = new StashIndex();
        List<StashIndex.Entry> live = new ArrayList<>();
        long gen = 0;
        for (int step = 0; step < 5_000; step++) {
            if (!live.isEmpty() && random.nextInt(3) == 0) {
                StashIndex.Entry gone = live.remove(random.nextInt(live.size()));
                assertThat(index.remove(gone.key())).isEqualTo(gone);
            } else {
                StashIndex.Entry e = entry(100 + random.nextInt(3), gen++, random.nextInt(3), 0x1000L * random.nextInt(2),
                        0x1000L + 8 * random.nextInt(4));
                index.add(e);
                live.add(e);
            }
            StashIndex.Entry probe = entry(100 + random.nextInt(3), 0, random.nextInt(3), 0x1000L * random.nextInt(2),
                    0x1000L + 8 * random.nextInt(4));
            Mapping m = probe.mapping();
            List<RegistrationKey> walked = live.stream().filter(e -> e.key().pid() == probe.key().pid()
                    && e.mapping().dev() == m.dev() && e.mapping().inode() == m.inode() && e.mapping().start() == m.start()
                    && e.dofAddress() == probe.dofAddress()).map(StashIndex.Entry::key).sorted().collect(Collectors.toList());
            assertThat(index.keysAt(probe.key().pid(), m.dev(), m.inode(), m.start(), probe.dofAddress()))
                    .containsExactlyElementsOf(walked);
        }
        for (StashIndex.Entry e : live) {
            index.remove(e.key());
        }
        assertThat(index.keysAt(100, 0, 0, 0, 0x1000)).isEmpty();
        assertThat(index.size()).isZero();
    }
}
