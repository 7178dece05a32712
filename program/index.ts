/**
 * The Pulumi program (Pulumi.yaml `main`): builds the environment named like the current stack,
 * from `stacks/<stack>/platform.yaml` and the stack's config. The outputs are the stack outputs.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { loadEnvironment } from "../model/environment";
import { runPlatform } from "./run";

const repoRoot = path.resolve(__dirname, "..");

export = runPlatform(loadEnvironment(pulumi.getStack(), { root: repoRoot }));
