# One aws provider per region. The default provider is us-east-1 (the home region: global tables, primary KMS keys,
# IAM, which is global). Global Accelerator's API lives in us-west-2: the AWS provider sends its calls there
# whatever the provider's region, module edge uses aws.usw2 to make that explicit.
# No default_tags: every module merges var.tags (local.tags) into its resources' tags, and the environment's own
# resources (NAT gateways) do the same, so no tag is set twice.

provider "aws" {
  region = "us-east-1"
}

provider "aws" {
  alias  = "use1"
  region = "us-east-1"
}

provider "aws" {
  alias  = "use2"
  region = "us-east-2"
}

provider "aws" {
  alias  = "usw2"
  region = "us-west-2"
}
