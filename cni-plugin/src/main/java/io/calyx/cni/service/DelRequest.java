package io.calyx.cni.service;

import io.calyx.cni.config.NetConf;
import io.calyx.core.Attachment;
import io.calyx.core.Deadline;
import java.util.Optional;

/**
 * A validated DEL. It may come without a netns (Mesos after a reboot), without any earlier ADD, twice,
 * or with a configuration reduced to its name ({@link NetConf#minimal}); it must succeed whenever there is
 * nothing left to remove.
 */
public record DelRequest(Attachment attachment, Optional<String> netns, NetConf conf, Deadline deadline) {}
