package dev.gateway.core.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.BloomFilter;
import org.junit.jupiter.api.Test;

/** The key funnel: every key put passes, and unknown keys pass at about the configured rate. */
class AppKeyBloomTest {
    @Test
    void everyKeyPutPassesAndUnknownKeysPassAtAboutTheConfiguredRate() {
        BloomFilter<String> f = BloomFilter.create(AppKeyBloom.KeyFunnel.INSTANCE, 100_000, 0.001);
        for (int i = 0; i < 100_000; i++) {
            f.put("app-" + i);
        }
        for (int i = 0; i < 100_000; i++) {
            assertThat(f.mightContain("app-" + i)).as("app-" + i).isTrue();
        }
        int passed = 0;
        for (int i = 0; i < 100_000; i++) {
            if (f.mightContain("forged-" + i)) {
                passed++;
            }
        }
        assertThat(passed).as("false positives among 100,000 unknown keys at fpp 0.001").isLessThan(200);
    }

    @Test
    void aGlobInThePrefixIsMatchedLiterally() {
        assertThat(AppKeyBloom.escapeGlob("g*w?[x]\\:app:")).isEqualTo("g\\*w\\?\\[x\\]\\\\:app:");
    }
}
