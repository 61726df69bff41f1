(define (problem gripper-p04)
  (:domain gripper)
  (:objects kitchen hall - room ball1 ball2 - ball left right - gripper)
  (:init
    (at-robot hall)
    (free left)
    (free right)
    (at ball1 kitchen)
    (at ball2 kitchen))
  (:goal
    (and
      (at ball1 hall)
      (at ball2 hall))))
