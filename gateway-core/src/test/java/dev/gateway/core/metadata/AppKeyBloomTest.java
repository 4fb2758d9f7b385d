package dev.gateway.core.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.HashCode;
import com.google.common.hash.Hashing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The key funnel: every key put passes, unknown keys pass at about the configured rate, and keys made of the same chars
 * in another order funnel differently.
 */
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
    void keysThatDifferOnlyInTheOrderOfTheirCharsFunnelDifferently() {
        // Every permutation of 8 distinct chars, and short keys: the same chars in another order are another key.
        Set<HashCode> seen = new HashSet<>();
        List<String> keys = new ArrayList<>();
        permutations("", "abcdefgh", keys);
        for (String k : keys) {
            seen.add(Hashing.murmur3_128().hashObject(k, AppKeyBloom.KeyFunnel.INSTANCE));
        }
        for (String k : List.of("", "a", "ab", "ba", "abc", "abcd", "abcde", "abcd\0", "\0abcd")) {
            keys.add(k);
            seen.add(Hashing.murmur3_128().hashObject(k, AppKeyBloom.KeyFunnel.INSTANCE));
        }
        assertThat(keys).hasSize(40_320 + 9);
        assertThat(seen).as("distinct funnelled hashes").hasSize(keys.size());
    }

    private static void permutations(String prefix, String rest, List<String> into) {
        if (rest.isEmpty()) {
            into.add(prefix);
        }
        for (int i = 0; i < rest.length(); i++) {
            permutations(prefix + rest.charAt(i), rest.substring(0, i) + rest.substring(i + 1), into);
        }
    }

    @Test
    void aGlobInThePrefixIsMatchedLiterally() {
        assertThat(AppKeyBloom.escapeGlob("g*w?[x]\\:app:")).isEqualTo("g\\*w\\?\\[x\\]\\\\:app:");
    }
}
