package io.calyx.cni.service;

import io.calyx.cni.config.NetConf;
import io.calyx.core.Attachment;
import io.calyx.core.Deadline;

/**
 * A validated ADD.
 *
 * @param netns the {@code CNI_NETNS} path to configure
 */
public record AddRequest(Attachment attachment, String netns, NetConf conf, EndpointSpec spec, Deadline deadline) {}
