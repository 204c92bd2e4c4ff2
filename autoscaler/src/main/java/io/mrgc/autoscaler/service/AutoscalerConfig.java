package io.mrgc.autoscaler.service;

import io.mrgc.common.service.ControlSettings;
import io.mrgc.state.config.Deployment;

/** {@code mrgc serve autoscaler}'s configuration: where it runs, its lease holder and admin listener, its settings. */
public record AutoscalerConfig(Deployment deployment, ControlSettings control, AutoscalerSettings autoscaler) {}
