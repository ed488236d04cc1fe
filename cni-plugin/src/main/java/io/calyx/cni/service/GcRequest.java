package io.calyx.cni.service;

import io.calyx.cni.config.NetConf;
import io.calyx.core.Attachment;
import io.calyx.core.Deadline;
import java.util.List;

/** A validated GC: release everything of this network that is not in {@code validAttachments}. */
public record GcRequest(NetConf conf, List<Attachment> validAttachments, Deadline deadline) {}
