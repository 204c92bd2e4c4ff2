output "file_system_id" {
  description = "ID of the FSx for Lustre file system."
  value       = aws_fsx_lustre_file_system.this.id
}

output "file_system_arn" {
  description = "ARN of the file system."
  value       = aws_fsx_lustre_file_system.this.arn
}

output "dns_name" {
  description = "DNS name of the file system."
  value       = aws_fsx_lustre_file_system.this.dns_name
}

output "mount_name" {
  description = "Lustre mount name of the file system."
  value       = aws_fsx_lustre_file_system.this.mount_name
}

output "security_group_id" {
  description = "The file system's security group."
  value       = aws_security_group.this.id
}

output "s3_bucket" {
  description = "Name of the bucket holding the models (created here or given)."
  value       = local.bucket
}

output "s3_bucket_arn" {
  description = "ARN of the bucket holding the models."
  value       = "arn:aws:s3:::${local.bucket}"
}

output "data_repository_path" {
  description = "The S3 location linked to the file system (s3://<bucket>/<prefix>): `mrgc model publish` uploads a version under <name>@<version>/ here, then imports that prefix into FSx with a data repository task."
  value       = aws_fsx_data_repository_association.this.data_repository_path
}

output "data_repository_association_id" {
  description = "ID of the data repository association linking data_repository_path to file_system_path."
  value       = aws_fsx_data_repository_association.this.association_id
}

output "s3_prefix" {
  description = "The linked prefix in the bucket (ends with /; empty = the whole bucket)."
  value       = var.s3_prefix
}

output "s3_objects_arn" {
  description = "ARN pattern of every object under the linked prefix (arn:aws:s3:::<bucket>/<prefix>*): the resource of the publisher's s3:PutObject."
  value       = "arn:aws:s3:::${local.bucket}/${var.s3_prefix}*"
}

output "file_system_path" {
  description = "The file system directory the prefix is linked to (/ = the file system root, which is mounted at mount_point)."
  value       = var.file_system_path
}

output "mount_point" {
  description = "Where the GPU instances mount the file system."
  value       = var.mount_point
}

output "model_root" {
  description = "The agent's modelRoot (MRGC_MODEL_ROOT)."
  value       = local.model_root
}

output "mount_command" {
  description = "The mount command for the GPU instances' user data."
  value       = "mount -t lustre -o ${var.mount_options} ${aws_fsx_lustre_file_system.this.dns_name}@tcp:/${aws_fsx_lustre_file_system.this.mount_name} ${var.mount_point}"
}

output "fstab_line" {
  description = "/etc/fstab line equivalent to mount_command (mounts again after a reboot, once the network is up)."
  value       = "${aws_fsx_lustre_file_system.this.dns_name}@tcp:/${aws_fsx_lustre_file_system.this.mount_name} ${var.mount_point} lustre ${var.mount_options},_netdev 0 0"
}

output "user_data_snippet" {
  description = "Shell lines for the GPU instances' user data (Amazon Linux 2023): install the Lustre client, mount, and wait until the model root exists."
  value       = <<-EOT
    dnf install -y lustre-client
    mkdir -p ${var.mount_point}
    mount -t lustre -o ${var.mount_options} ${aws_fsx_lustre_file_system.this.dns_name}@tcp:/${aws_fsx_lustre_file_system.this.mount_name} ${var.mount_point}
    test -d ${local.model_root}
  EOT
}
