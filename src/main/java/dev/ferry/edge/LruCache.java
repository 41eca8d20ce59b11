package dev.ferry.edge;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded cache whose reads take no lock: a concurrent map of entries, each stamped with its last use. Inserts
 * that push the total weight over the limit evict the least recently used entries (approximately, under concurrent
 * use) down to the low-water mark, so a burst of inserts sorts the entries once rather than per insert.
 *
 * <p>Meant for immutable values (manifests, content-addressed file contents): a racing insert of the same key keeps
 * the first value, which equals the second.
 */
final class LruCache<K, V> {

  private static final class Entry<V> {
    final V value;
    final long weight;
    /** Written without synchronization on every hit: a lost update only makes eviction slightly less exact. */
    long lastUsed;

    Entry(V value, long weight, long now) {
      this.value = value;
      this.weight = weight;
      this.lastUsed = now;
    }
  }

  private final ConcurrentHashMap<K, Entry<V>> entries = new ConcurrentHashMap<>();
  private final AtomicLong totalWeight = new AtomicLong();
  private final long maxWeight;
  private final long lowWater;
  private final Object evictionLock = new Object();

  /**
   * @param maxWeight the bound on the summed weights of all entries
   * @param lowWaterFraction eviction stops at this fraction of the bound (1.0: evict only what is over)
   */
  LruCache(long maxWeight, double lowWaterFraction) {
    this.maxWeight = maxWeight;
    this.lowWater = (long) Math.floor(maxWeight * lowWaterFraction);
  }

  /** The cached value, or null; marks it as just used. */
  V get(K key) {
    Entry<V> entry = entries.get(key);
    if (entry == null) {
      return null;
    }
    entry.lastUsed = System.nanoTime();
    return entry.value;
  }

  /** Adds a value unless the key is present or the value alone weighs more than the bound. */
  void put(K key, V value, long weight) {
    if (weight > maxWeight) {
      return;
    }
    if (entries.putIfAbsent(key, new Entry<>(value, weight, System.nanoTime())) != null) {
      return;
    }
    if (totalWeight.addAndGet(weight) > maxWeight) {
      evict();
    }
  }

  int size() {
    return entries.size();
  }

  long totalWeight() {
    return totalWeight.get();
  }

  private void evict() {
    synchronized (evictionLock) {
      if (totalWeight.get() <= maxWeight) {
        return; // another thread evicted meanwhile
      }
      List<Map.Entry<K, Entry<V>>> byAge = new ArrayList<>(entries.entrySet());
      byAge.sort(Comparator.comparingLong(e -> e.getValue().lastUsed));
      for (Map.Entry<K, Entry<V>> eldest : byAge) {
        if (totalWeight.get() <= lowWater) {
          break;
        }
        if (entries.remove(eldest.getKey(), eldest.getValue())) {
          totalWeight.addAndGet(-eldest.getValue().weight);
        }
      }
    }
  }
}
