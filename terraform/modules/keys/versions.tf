terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.25"
      # aws: the primary region of the multi-Region keys; replica_1, replica_2: the deployment's two other regions.
      configuration_aliases = [aws.replica_1, aws.replica_2]
    }
  }
}
