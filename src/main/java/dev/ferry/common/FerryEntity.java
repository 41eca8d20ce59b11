package dev.ferry.common;

import java.util.Set;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * What every Ferry entity shares: its persistence id from the entity type and id, one tag of the type's fixed
 * tag list (picked by id hash) for the projections, and a snapshot every 100 events.
 */
public abstract class FerryEntity<C, E, S> extends EventSourcedBehaviorWithEnforcedReplies<C, E, S> {

  protected final String entityId;
  private final Set<String> tags;

  protected FerryEntity(EntityTypeKey<C> typeKey, String entityId) {
    super(PersistenceId.of(typeKey.name(), entityId));
    this.entityId = entityId;
    this.tags = Set.of(Tags.forId(typeKey.name(), entityId));
  }

  @Override
  public Set<String> tagsFor(E event) {
    return tags;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }
}
