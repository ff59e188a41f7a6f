import { App } from "aws-cdk-lib";
import { buildPipeline } from "./pipeline.js";

// Entry point of `npx cdk synth|deploy` (cdk.json "app"). Settings come from the context in cdk.json
// and `-c key=value`; see the README, "Deploy to AWS".
buildPipeline(new App());
