terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
    }
  }

  # State: an S3 backend in the deploying account is recommended (docs/deploy.md step 1). Left to
  # `terraform init -backend-config=...` so this file names no bucket:
  #   terraform init -backend-config="bucket=<state bucket>" -backend-config="key=mrgc/production.tfstate" \
  #     -backend-config="region=us-east-1" -backend-config="use_lockfile=true"
  backend "s3" {}
}
