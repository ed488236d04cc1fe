package io.calyx.cni.service;

import io.calyx.cni.config.NetConf;
import io.calyx.cni.spec.Result;
import io.calyx.core.Attachment;
import io.calyx.core.Deadline;

/** A validated CHECK: the runtime's stored ADD result ({@code prevResult}) is to be verified. */
public record CheckRequest(Attachment attachment, String netns, NetConf conf, Result prevResult, Deadline deadline) {}
